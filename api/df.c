/* GET /system/df: the walk of writable layers runs on the thread pool. */
#include "api/job.h"
#include "api/metrics.h"
#include "daemon/ctr_df.h"

static int
df_work (struct api_job *job, int fd)
{
  (void) fd;
  json_object *out;
  int r = ctr_system_df (job->d, &out, &job->err);
  if (r == 0)
    api_job_reply_json (job, 200, out);
  return r;
}

int
api_system_df (struct api_req *req)
{
  return api_job_start (req, df_work, NULL, NULL);
}
