"""Where the emulator is more lenient or slower than AWS, make it behave as AWS does (AWS needs none of this).

1. Cognito app clients' ``ExplicitAuthFlows``: moto accepts every flow on every client; AWS refuses a
   flow the client does not allow (InvalidParameterException "... flow not enabled for this client").
   Enforced here, so a sign-in flow the template does not allow fails locally too.

2. Cognito ``WriteAttributes``: moto lets any app client write any user attribute, at sign-up or later;
   AWS refuses attributes outside the client's ``WriteAttributes`` (NotAuthorizedException) in both
   SignUp and UpdateUserAttributes. And where the pool's ``UserAttributeUpdateSettings`` require
   verification before an update (email), AWS keeps the old value until the code sent to the new one is
   confirmed; moto sets it at once. Here such a change is held back: the emulator sends no code and has
   no VerifyUserAttribute, so it never takes effect locally (an admin's AdminUpdateUserAttributes does).

3. Cognito tokens: moto files them under the name the user signed in with (their email), so a global
   sign-out by ``sub`` (what the platform uses) revoked nothing; AWS tokens belong to the user whatever
   alias signed in, so here they are filed under the user's name.

4. DynamoDB: keep the emulator's transactions fast as the table grows.

moto 5.2 backs up the WHOLE table (``copy.deepcopy``) once per item of every TransactWriteItems call,
so a transaction costs O(table size): seeding 60 listings took minutes. Here the backup is of the
items the transaction touches instead, and a failed transaction restores exactly those (and drops the
stream records it produced). Behaviour is otherwise moto's own.

5. DynamoDB: keep the emulator's Queries fast as the table grows.

moto 5.2 answers every Query from ``Table.all_items()``, which lists and SORTS the whole table (Python
comparisons of ``DynamoType`` keys) before keeping the queried partition, so a Query costs O(n log n) in
the table's size: the back-office bench's seeding and pages slowed with every listing (1,000 listings:
hours). Here a Query on the table's own key reads only its partition (moto filters on exactly that hash
key anyway), and a Query on an index gets the items unsorted (moto sorts the matches by the index's keys
itself). Same items, same order; Scans keep moto's sorted listing, which their paging relies on.

6. DynamoDB: a projected Query copies only what it answers.

moto 5.2 deep-copies every item a Query matches, then builds each answer anew from the projection
(``Item.project``) by converting the WHOLE item to plain JSON (another deep copy) before picking the
asked attributes. Here a Query with a projection expression skips the first copy (the items are only
read before ``Item.project``), and ``Item.project`` converts only the top-level attributes the
expression names. Measured on the emulator alone (550 items of ~3.5 KB on an index beside 10,000
small ones, a Query for 2 attributes, paged to the end, medians of 5 at a load of 7): 2,256 ms as moto
does it, 1,894 ms without the first copy, 749 ms with both. DynamoDB has no such cost.
"""

from __future__ import annotations

import copy
import threading

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import table as moto_table
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.dynamo_type import Item as MotoItem
from moto.dynamodb.models.table import Table

_state = threading.local()
_original_transact = DynamoDBBackend.transact_write_items
_original_update_user_attributes = CognitoIdpBackend.update_user_attributes
_original_sign_up = CognitoIdpBackend.sign_up


_original_refresh_token = CognitoIdpUserPool.create_refresh_token
_original_access_token = CognitoIdpUserPool.create_access_token
_original_sign_out = CognitoIdpUserPool.sign_out


def _user_name(pool: CognitoIdpUserPool, name: str) -> str:
    try:
        return pool._get_user(name).username
    except Exception:  # noqa: BLE001 -- an unknown name stays as it is (moto's own error follows)
        return name


def _create_refresh_token(self: CognitoIdpUserPool, client_id: str, username: str):
    return _original_refresh_token(self, client_id, _user_name(self, username))


def _create_access_token(self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str):
    return _original_access_token(self, client_id, _user_name(self, username), origin_jti)


def _sign_out(self: CognitoIdpUserPool, username: str) -> None:
    return _original_sign_out(self, _user_name(self, username))


def _check_writable(pool: CognitoIdpUserPool, client_id: str, attributes: list[dict[str, str]]) -> None:
    app = pool.clients.get(client_id)
    allowed = app.extended_config.get("WriteAttributes") if app else None
    if allowed is not None and any(a["Name"] not in allowed for a in attributes or ()):
        raise NotAuthorizedError("A client attempted to write unauthorized attribute")


def _update_user_attributes(self: CognitoIdpBackend, access_token: str, attributes: list[dict[str, str]]) -> None:
    for pool in self.user_pools.values():
        if access_token in pool.access_tokens:
            client_id, _ = pool.access_tokens[access_token]
            _check_writable(pool, client_id, attributes)
            held = (pool.extended_config.get("UserAttributeUpdateSettings") or {}).get(
                "AttributesRequireVerificationBeforeUpdate") or ()
            attributes = [a for a in attributes if a["Name"] not in held]
    return _original_update_user_attributes(self, access_token, attributes)


def _sign_up(self: CognitoIdpBackend, client_id: str, username: str, password: str,
             attributes: list[dict[str, str]]):
    for pool in self.user_pools.values():
        if client_id in pool.clients:
            _check_writable(pool, client_id, attributes)
    return _original_sign_up(self, client_id, username, password, attributes)


_original_initiate_auth = CognitoIdpBackend.initiate_auth
_original_admin_initiate_auth = CognitoIdpBackend.admin_initiate_auth

# AuthFlow -> the ExplicitAuthFlows entry that allows it; a client with none set allows AWS's defaults.
_ALLOWED_BY = {"USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH", "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
               "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
               "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH", "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
               "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH"}
_DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def _check_flow(backend: CognitoIdpBackend, client_id: str, auth_flow: str) -> None:
    for pool in backend.user_pools.values():
        app = pool.clients.get(client_id)
        if app is not None:
            allowed = app.extended_config.get("ExplicitAuthFlows") or _DEFAULT_FLOWS
            if _ALLOWED_BY.get(auth_flow) not in allowed:
                raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")


def _initiate_auth(self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict) -> dict:
    _check_flow(self, client_id, auth_flow)
    return _original_initiate_auth(self, client_id, auth_flow, auth_parameters)


def _admin_initiate_auth(self: CognitoIdpBackend, user_pool_id: str, client_id: str, auth_flow: str,
                         auth_parameters: dict) -> dict:
    _check_flow(self, client_id, auth_flow)
    return _original_admin_initiate_auth(self, user_pool_id, client_id, auth_flow, auth_parameters)


def _table_deepcopy(self: Table, memo: dict) -> Table:
    if getattr(_state, "in_transaction", False):
        return self  # the transaction below keeps its own per-item backup
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for name, value in self.__dict__.items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


def _key_of(table: Table, op: dict) -> tuple[DynamoType, DynamoType | None] | None:
    key = op.get("Key") or op.get("Item") or {}
    if table.hash_key_attr not in key:
        return None
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
    return DynamoType(key[table.hash_key_attr]), range_key


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict]) -> None:
    backups: dict[tuple, tuple[Table, DynamoType, DynamoType | None, object]] = {}
    stream_lengths: dict[int, tuple[object, int]] = {}
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName"))
        key = _key_of(table, op) if table is not None else None
        if key is None:
            continue
        hash_key, range_key = key
        backups.setdefault((id(table), hash_key, range_key),
                           (table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        if table.stream_shard is not None:
            stream_lengths.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
    _state.in_transaction = True
    try:
        return _original_transact(self, transact_items)
    except Exception:
        for table, hash_key, range_key, item in backups.values():
            if item is None:
                if table.get_item(hash_key, range_key) is not None:
                    (table.items[hash_key].pop(range_key) if range_key is not None else table.items.pop(hash_key))
            elif range_key is not None:
                table.items[hash_key][range_key] = item
            else:
                table.items[hash_key] = item
        for shard, length in stream_lengths.values():
            del shard.items[length:]
        raise
    finally:
        _state.in_transaction = False


# -- 5. Queries read the partition, not a sorted copy of the whole table --------------------------------

_original_query = Table.query
_original_all_items = Table.all_items
_EVERY_PARTITION = object()  # a Query on an index: every item, unsorted


def _all_items(self: Table) -> list:
    scope = getattr(_state, "query_scope", None)
    if scope is None:  # a Scan, or anything else: moto's own sorted listing
        return _original_all_items(self)
    partitions = self.items.values() if scope is _EVERY_PARTITION else \
        ([self.items[scope]] if scope in self.items else [])
    if not self.range_key_attr:
        return list(partitions)
    return [item for partition in partitions for item in partition.values()]


def _query(self: Table, hash_key, *args, **kwargs):
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    _state.query_scope = _EVERY_PARTITION if index_name or hash_key is None else hash_key
    _state.projected = bool(args[5] if len(args) > 5 else kwargs.get("projection_expressions"))
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        _state.query_scope = None
        _state.projected = False


_original_project = MotoItem.project


def _project(self: MotoItem, projection_expressions: list[list[str]]) -> MotoItem:
    """``Item.project`` over the named top-level attributes only (6), not a plain copy of the whole item."""
    wanted = {path[0].split("[", 1)[0] for path in projection_expressions}
    trimmed = copy.copy(self)
    trimmed.attrs = {name: value for name, value in self.attrs.items() if name in wanted}
    return _original_project(trimmed, projection_expressions)


class _CopyUnlessProjected:
    """``copy`` as moto's table module sees it (6): a projected Query's matches are not deep-copied."""

    def deepcopy(self, value, memo=None):
        if getattr(_state, "projected", False):
            return list(value)  # the query's list of matches: Item.project builds the answers anew
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str):
        return getattr(copy, name)


def apply() -> None:
    CognitoIdpBackend.update_user_attributes = _update_user_attributes
    CognitoIdpBackend.sign_up = _sign_up
    CognitoIdpBackend.initiate_auth = _initiate_auth
    CognitoIdpBackend.admin_initiate_auth = _admin_initiate_auth
    CognitoIdpUserPool.create_refresh_token = _create_refresh_token
    CognitoIdpUserPool.create_access_token = _create_access_token
    CognitoIdpUserPool.sign_out = _sign_out
    Table.query = _query
    Table.all_items = _all_items
    moto_table.copy = _CopyUnlessProjected()
    MotoItem.project = _project
    if DynamoDBBackend.transact_write_items is not _transact_write_items:
        Table.__deepcopy__ = _table_deepcopy
        DynamoDBBackend.transact_write_items = _transact_write_items
