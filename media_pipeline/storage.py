"""S3 reads and writes of the pipeline. A passing failure (throttling, 5xx, a dropped connection)
becomes ``TransientError`` so the step is retried; anything else is a real error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, EndpointConnectionError

from marketplace.aws import client
from media_pipeline.errors import Rejected, TransientError

_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError",
                    "ServiceUnavailable", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                    "TransactionInProgressException"}
MISSING_UPLOAD = "the uploaded file is no longer there; upload it again"


@contextmanager
def transient_errors() -> Iterator[None]:
    """Turn passing AWS failures into ``TransientError`` (retried by the step's retry policy)."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _TRANSIENT_CODES or status >= 500:
            raise TransientError(f"{code or status}: {error}") from error
        raise
    except (EndpointConnectionError, ConnectionError) as error:
        raise TransientError(str(error)) from error
    except BotoCoreError as error:
        if "timeout" in type(error).__name__.lower():
            raise TransientError(str(error)) from error
        raise


def _version(version_id: str | None) -> dict:
    return {"VersionId": version_id} if version_id else {}


def head(bucket: str, key: str, version_id: str | None) -> dict:
    with transient_errors():
        try:
            return client("s3").head_object(Bucket=bucket, Key=key, **_version(version_id))
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NoSuchVersion"):
                raise Rejected(MISSING_UPLOAD) from error
            raise


def read(bucket: str, key: str, version_id: str | None, *, byte_range: str | None = None) -> bytes:
    extra = {"Range": byte_range} if byte_range else {}
    with transient_errors():
        try:
            body = client("s3").get_object(Bucket=bucket, Key=key, **_version(version_id), **extra)["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchVersion", "404"):
                raise Rejected(MISSING_UPLOAD) from error
            if error.response["Error"]["Code"] == "InvalidRange":
                return b""
            raise
        return body.read()


def download(bucket: str, key: str, version_id: str | None, path: str) -> None:
    with transient_errors():
        try:
            client("s3").download_file(bucket, key, path, ExtraArgs=_version(version_id) or None)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchVersion", "404"):
                raise Rejected(MISSING_UPLOAD) from error
            raise


def write(bucket: str, key: str, data: bytes, *, content_type: str, cache_control: str) -> None:
    with transient_errors():
        client("s3").put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type,
                                CacheControl=cache_control)


def upload_file(bucket: str, key: str, path: str, *, content_type: str, cache_control: str) -> None:
    with transient_errors():
        client("s3").upload_file(path, bucket, key, ExtraArgs={"ContentType": content_type,
                                                               "CacheControl": cache_control})
