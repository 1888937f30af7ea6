"""The emulator's snapshot: what each test starts from (tests/conftest.py's ``platform``)."""

from marketplace.aws import client
from marketplace.config import settings


def test_a_restore_undoes_every_change_since_the_snapshot_and_each_restore_is_a_fresh_copy(emulator, platform):
    # Given the platform with an item, an object and a queued message, and a snapshot of that moment
    dynamodb, s3, sqs = client("dynamodb"), client("s3"), client("sqs")
    dynamodb.put_item(TableName=settings().table_name, Item={"pk": {"S": "KEEP"}, "sk": {"S": "KEEP"}})
    s3.put_object(Bucket=platform.public_bucket, Key="kept.txt", Body=b"kept")
    queue_url = sqs.list_queues()["QueueUrls"][0]
    sqs.send_message(QueueUrl=queue_url, MessageBody="kept")
    snapshot = emulator.snapshot()

    for _ in range(2):
        # When items, objects, a bucket and a message are added or deleted, then the snapshot restored
        dynamodb.put_item(TableName=settings().table_name, Item={"pk": {"S": "NEW"}, "sk": {"S": "NEW"}})
        dynamodb.delete_item(TableName=settings().table_name, Key={"pk": {"S": "KEEP"}, "sk": {"S": "KEEP"}})
        s3.delete_object(Bucket=platform.public_bucket, Key="kept.txt")
        s3.create_bucket(Bucket="made-after", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0)
        sqs.send_message(QueueUrl=queue_url, MessageBody="new")
        emulator.restore(snapshot)

        # Then the snapshot's state is back, whatever the copy before went through, and nothing made after
        items = dynamodb.scan(TableName=settings().table_name)["Items"]
        assert [item["pk"]["S"] for item in items] == ["KEEP"]
        assert s3.get_object(Bucket=platform.public_bucket, Key="kept.txt")["Body"].read() == b"kept"
        assert "made-after" not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
        assert [message["Body"] for message in messages] == ["kept"]
        # A bucket of that name can be made again (S3's name registry is part of the snapshot)
        s3.create_bucket(Bucket="made-after", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        emulator.restore(snapshot)
