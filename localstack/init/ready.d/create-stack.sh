#!/bin/bash
# offer-recorder's queues and buckets in LocalStack, as template.yaml declares them for a stack named
# "offer-recorder" (the names events/sam-env-localstack.json and testkit's StackLayout.local() use; buckets without
# the account and region suffix a deployed stack adds). LocalStack runs this from /etc/localstack/init/ready.d once
# it serves requests. LocalStackInitScriptTest (e2e-tests) pins every value below to template.yaml: change the
# template first, then this script, and the test tells you if they drift.
set -euo pipefail

PREFIX=offer-recorder
SOURCE_RETENTION=1036800 # 12 days: below the DLQs' 14, since a message keeps its enqueue time when it moves
DLQ_RETENTION=1209600    # 14 days, SQS's maximum
RAW_NOTIFY_PREFIX=raw/
RAW_NOTIFY_SUFFIX=.jsonl.gz
RAW_BUCKET="$PREFIX-raw"
PLATFORM_BUCKET="$PREFIX-platform"

queue_arn() {
  awslocal sqs get-queue-attributes --queue-url "$1" --attribute-names QueueArn \
    --query Attributes.QueueArn --output text
}

# A source queue and its DLQ: name, visibility timeout (6x its consumer's function timeout), maxReceiveCount.
queue_with_dlq() {
  local name=$1 visibility=$2 max_receives=$3 dlq_url dlq_arn redrive
  dlq_url=$(awslocal sqs create-queue --queue-name "$name-dlq" --query QueueUrl --output text \
    --attributes "MessageRetentionPeriod=$DLQ_RETENTION,SqsManagedSseEnabled=true")
  dlq_arn=$(queue_arn "$dlq_url")
  redrive="{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"$max_receives\\\"}"
  awslocal sqs create-queue --queue-name "$name" --query QueueUrl --output text --attributes \
    "{\"VisibilityTimeout\":\"$visibility\",\"MessageRetentionPeriod\":\"$SOURCE_RETENTION\",\"SqsManagedSseEnabled\":\"true\",\"RedrivePolicy\":\"$redrive\"}"
}

queue_with_dlq "$PREFIX-jobs" 1800 5
queue_with_dlq "$PREFIX-fanout" 5400 3
queue_with_dlq "$PREFIX-transform" 1800 5
# Failed asynchronous fan-out invocations (Lambda's OnFailure destination); no redrive.
awslocal sqs create-queue --queue-name "$PREFIX-fanout-failures" --query QueueUrl --output text \
  --attributes "MessageRetentionPeriod=$DLQ_RETENTION,SqsManagedSseEnabled=true"

awslocal s3api create-bucket --bucket "$RAW_BUCKET" >/dev/null
awslocal s3api create-bucket --bucket "$PLATFORM_BUCKET" >/dev/null

# New raw logs notify the transform queue, as the template's RawBucket NotificationConfiguration does.
transform_arn=$(queue_arn "$(awslocal sqs get-queue-url --queue-name "$PREFIX-transform" --query QueueUrl --output text)")
awslocal s3api put-bucket-notification-configuration --bucket "$RAW_BUCKET" --notification-configuration \
  "{\"QueueConfigurations\":[{\"QueueArn\":\"$transform_arn\",\"Events\":[\"s3:ObjectCreated:*\"],\"Filter\":{\"Key\":{\"FilterRules\":[{\"Name\":\"prefix\",\"Value\":\"$RAW_NOTIFY_PREFIX\"},{\"Name\":\"suffix\",\"Value\":\"$RAW_NOTIFY_SUFFIX\"}]}}}]}"

# The shop manifest events/schedule.json and events/backfill-manifest.json read (SHOP_MANIFEST in
# events/sam-env-localstack.json): three shops, enough to see a run end to end.
printf 'shop_id\n101\n102\n103\n' | awslocal s3 cp - "s3://$RAW_BUCKET/manifests/shops.csv"

echo "offer-recorder: queues and buckets created"
