#include "sha256.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

struct cd_sha256
{
  EVP_MD_CTX *ctx;
};

struct cd_sha256 *
cd_sha256_new (void)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  if (ctx == NULL)
    return NULL;
  if (EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) != 1)
    {
      EVP_MD_CTX_free (ctx);
      return NULL;
    }
  return (struct cd_sha256 *) ctx;
}

void
cd_sha256_update (struct cd_sha256 *h, const void *data, size_t len)
{
  EVP_DigestUpdate ((EVP_MD_CTX *) h, data, len);
}

void
cd_sha256_final (struct cd_sha256 *h, char out[CD_DIGEST_LEN])
{
  unsigned char md[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex ((EVP_MD_CTX *) h, md, &n);
  EVP_MD_CTX_free ((EVP_MD_CTX *) h);
  static const char hex[] = "0123456789abcdef";
  memcpy (out, "sha256:", 7);
  for (int i = 0; i < 32; i++)
    {
      out[7 + 2 * i] = hex[md[i] >> 4];
      out[8 + 2 * i] = hex[md[i] & 15];
    }
  out[71] = '\0';
}

void
cd_sha256_free (struct cd_sha256 *h)
{
  if (h)
    EVP_MD_CTX_free ((EVP_MD_CTX *) h);
}

void
cd_sha256_digest (const void *data, size_t len, char out[CD_DIGEST_LEN])
{
  struct cd_sha256 *h = cd_sha256_new ();
  cd_sha256_update (h, data, len);
  cd_sha256_final (h, out);
}

int
cd_digest_valid (const char *s)
{
  if (strncmp (s, "sha256:", 7) != 0 || strlen (s) != 71)
    return 0;
  for (int i = 7; i < 71; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  return 1;
}
