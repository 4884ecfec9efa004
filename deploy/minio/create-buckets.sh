#!/bin/sh
# Make the buckets and per-service users in MinIO; run by the one-shot minio-setup service (the
# minio/mc image) after MinIO is healthy, and safe to run again.
#   reparo-cms     the cms's media; anonymous reads of objects, served to browsers by nginx
#   reparo-repair  the repair service's files (customers' photos, proofs, invoices); private
# Each service gets its own access key, allowed only its own bucket.
set -eu

mc alias set store "${MINIO_URL:-http://minio:9000}" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

bucket_policy() {
  cat <<JSON
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
   "Resource": ["arn:aws:s3:::$1"]},
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
   "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
   "Resource": ["arn:aws:s3:::$1/*"]}
]}
JSON
}

service_bucket() {
  bucket="$1" user="$2" secret="$3"
  mc mb --ignore-existing "store/$bucket"
  bucket_policy "$bucket" > "/tmp/$bucket-policy.json"
  mc admin policy create store "$bucket-readwrite" "/tmp/$bucket-policy.json"
  mc admin user add store "$user" "$secret"
  # On a second run the policy is attached already, which mc reports as an error.
  mc admin policy attach store "$bucket-readwrite" --user "$user" 2>/dev/null || true
}

service_bucket "$CMS_S3_BUCKET" "$CMS_S3_ACCESS_KEY_ID" "$CMS_S3_SECRET_ACCESS_KEY"
service_bucket "$REPAIR_S3_BUCKET" "$REPAIR_S3_ACCESS_KEY_ID" "$REPAIR_S3_SECRET_ACCESS_KEY"
# Anonymous visitors may read single objects of the cms's bucket and nothing else: no listing,
# so a file uploaded ahead of its release is not discoverable.
cat > /tmp/public-objects.json <<JSON
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
   "Resource": ["arn:aws:s3:::$CMS_S3_BUCKET/*"]}
]}
JSON
mc anonymous set-json /tmp/public-objects.json "store/$CMS_S3_BUCKET"
mc anonymous set none "store/$REPAIR_S3_BUCKET"
echo "buckets ready: $CMS_S3_BUCKET (public read), $REPAIR_S3_BUCKET (private)"
