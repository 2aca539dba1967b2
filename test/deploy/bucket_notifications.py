"""Drives aws-cdk-lib's BucketNotifications custom-resource handler (its inline Python, as the stack
deploys it) against moto_server, for test/deploy/bucket-notifications.test.ts.

stdin: {"handler": "<path of the handler's index.py>", "steps": [{"op": ...}, ...]}
stdout: a JSON array, one result per step.
The endpoint and the credentials come from the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID...).
"""

import contextlib
import importlib.util
import json
import sys
import urllib.parse

import boto3

REGION = "us-east-1"


class Context:
    """The Lambda context, as far as the handler reads it."""

    log_stream_name = "bucket-notifications-test"


def load_handler(path):
    spec = importlib.util.spec_from_file_location("notifications_handler", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def without_metadata(answer):
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def main():
    plan = json.load(sys.stdin)
    handler = load_handler(plan["handler"])
    s3 = boto3.client("s3", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    queues = {}

    def run(step):
        op = step["op"]
        if op == "create-bucket":
            s3.create_bucket(Bucket=step["bucket"])
            return None
        if op == "create-queue":
            url = sqs.create_queue(QueueName=step["name"])["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            queues[step["name"]] = url
            return {"url": url, "arn": arn}
        if op == "create-topic":
            return {"arn": sns.create_topic(Name=step["name"])["TopicArn"]}
        if op == "put-config":
            s3.put_bucket_notification_configuration(
                Bucket=step["bucket"], NotificationConfiguration=step["config"]
            )
            return None
        if op == "get-config":
            return without_metadata(s3.get_bucket_notification_configuration(Bucket=step["bucket"]))
        if op == "invoke":
            # the handler answers CloudFormation with a PUT to the event's ResponseURL: a key in a
            # bucket of moto's, read back here
            event = step["event"]
            with contextlib.redirect_stdout(sys.stderr):  # it prints; stdout is the results
                handler.handler(event, Context())
            bucket, key = urllib.parse.urlparse(event["ResponseURL"]).path.lstrip("/").split("/", 1)
            return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        if op == "rule":
            events.put_rule(Name=step["name"], EventPattern=step["pattern"], State="ENABLED")
            queue_arn = sqs.get_queue_attributes(QueueUrl=queues[step["queue"]], AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            events.put_targets(Rule=step["name"], Targets=[{"Id": "probe", "Arn": queue_arn}])
            return None
        if op == "put-object":
            s3.put_object(Bucket=step["bucket"], Key=step["key"], Body=b"{}")
            return None
        if op == "drain":
            bodies = []
            while True:
                got = sqs.receive_message(QueueUrl=queues[step["queue"]], MaxNumberOfMessages=10)
                messages = got.get("Messages", [])
                if not messages:
                    return bodies
                for m in messages:
                    bodies.append(json.loads(m["Body"]))
                    sqs.delete_message(QueueUrl=queues[step["queue"]], ReceiptHandle=m["ReceiptHandle"])
        raise ValueError(f"unknown step {op}")

    json.dump([run(step) for step in plan["steps"]], sys.stdout)


if __name__ == "__main__":
    main()
