"""The Lambda functions: one resolver each, with the routers it serves. Handler names are
``public_api.functions.<name>.handler`` (listed in ``public_api.routes``); what they share is in
``public_api.function``. One more is no route function: ``search_index_writer``, the search index's writer
(a queue consumer) given the API's cards.

Kept empty on purpose. With the shared imports here, ``import public_api.functions.<name>`` spent about
40 ms more in the same modules (chiefly urllib3's URL regexes) than when the function module itself
imports them, or than ``importlib.import_module`` (how the Lambda runtime loads a handler) either way
(CPython 3.12.1, measured, cause not pinned down).
"""
