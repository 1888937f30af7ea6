"""The emulator's Queries (``local.emulator_patches``): what a projected Query answers, and that it
leaves the stored items whole (the patch skips moto's copy of the matches before projecting them)."""

from __future__ import annotations

from marketplace.aws import client
from marketplace.config import settings


def test_a_projected_index_query_answers_the_asked_attributes_and_leaves_the_items_whole(table):
    # Given two items on one index partition, each with a nested map and a long text
    dynamodb, name = client("dynamodb"), settings().table_name
    for n in (1, 2):
        dynamodb.put_item(TableName=name, Item={
            "pk": {"S": f"P#{n}"}, "sk": {"S": "S"}, "gsi4pk": {"S": "QUERIED"}, "gsi4sk": {"S": str(n)},
            "type": {"S": "Thing"}, "nested": {"M": {"a": {"N": str(n)}, "b": {"S": "kept"}}},
            "long": {"S": "x" * 2000}})

    # When a Query on the index asks for the type and one nested value, twice
    asked = {"TableName": name, "IndexName": "gsi4", "KeyConditionExpression": "gsi4pk = :p",
             "ExpressionAttributeValues": {":p": {"S": "QUERIED"}}, "ProjectionExpression": "#t, nested.a",
             "ExpressionAttributeNames": {"#t": "type"}}
    first, second = dynamodb.query(**asked)["Items"], dynamodb.query(**asked)["Items"]

    # Then it answers those alone, in the index's order, the same each time
    assert first == second == [{"type": {"S": "Thing"}, "nested": {"M": {"a": {"N": str(n)}}}} for n in (1, 2)]
    # and the items read whole afterwards are as they were written
    whole = dynamodb.get_item(TableName=name, Key={"pk": {"S": "P#1"}, "sk": {"S": "S"}})["Item"]
    assert whole["nested"] == {"M": {"a": {"N": "1"}, "b": {"S": "kept"}}} and whole["long"] == {"S": "x" * 2000}
