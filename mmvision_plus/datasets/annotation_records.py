"""Locating a record of an annotation file in an error message.

Our loaders (strict COCO, the person-search JSON lists) check every record
of an annotation file and name the file, the record and its id when one is
malformed. This is the shared first step of those checks.
"""
from typing import Any, Type


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (ending in ``...``)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def locate_record(record: Any,
                  where: str,
                  error: Type[ValueError] = ValueError) -> str:
    """Check that a record is a JSON object and say where it stands.

    Args:
        record (Any): One parsed record of an annotation file.
        where (str): The file and the record's place in it, e.g.
            ``'ann.json: annotations[7]'``.
        error (type): The ``ValueError`` subclass to raise. Defaults to
            ``ValueError``.

    Returns:
        str: ``where``, followed by `` (id=...)`` when the record has an
        ``id``: the prefix of every further message about the record.

    Raises:
        ValueError: (``error``) If ``record`` is not a dict, naming
            ``where`` and the value.
    """
    if not isinstance(record, dict):
        raise error(f'{where}: must be an object (a dict), got '
                    f'{short_repr(record)}')
    if 'id' in record:
        where += f' (id={short_repr(record["id"])})'
    return where
