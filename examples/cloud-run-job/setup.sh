#!/usr/bin/env bash
# One-time setup for the driftwatch Cloud Run Job and its nightly Cloud Scheduler trigger.
set -euo pipefail
PROJECT=netra-staging
REGION=us-central1
SA=driftwatch@${PROJECT}.iam.gserviceaccount.com

gcloud iam service-accounts create driftwatch --project="$PROJECT" --display-name="driftwatch drift checks"
gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$SA" --role=roles/run.viewer
gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$SA" --role=roles/secretmanager.viewer
for secret in e2e-bypass-key jwt-secret-key driftwatch-fingerprint-key; do  # only the secrets it checks
  gcloud secrets add-iam-policy-binding "$secret" --project="$PROJECT" \
    --member="serviceAccount:$SA" --role=roles/secretmanager.secretAccessor
done

gcloud run jobs replace job.yaml --region="$REGION" --project="$PROJECT"

# Cloud Scheduler runs the job nightly through the Cloud Run Admin API, as the same account
# (which may run this job: roles/run.invoker on the job only).
gcloud run jobs add-iam-policy-binding driftwatch-nightly --region="$REGION" --project="$PROJECT" \
  --member="serviceAccount:$SA" --role=roles/run.invoker
gcloud scheduler jobs create http driftwatch-nightly --location="$REGION" --project="$PROJECT" \
  --schedule="0 3 * * *" --time-zone="Etc/UTC" --http-method=POST \
  --uri="https://run.googleapis.com/v2/projects/${PROJECT}/locations/${REGION}/jobs/driftwatch-nightly:run" \
  --oauth-service-account-email="$SA"
