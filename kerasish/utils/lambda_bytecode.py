"""Reading the Python bytecode that Keras 2 stores for a Lambda layer's function, or refusing it clearly.

Keras 2 saves a Lambda's function as `marshal.dumps(function.__code__)`, base64-encoded (Keras 1: the
bytes as `raw_unicode_escape` text). Bytecode
belongs to the Python version that wrote it: another version's `marshal` may refuse it, or read it
into a code object whose instructions mean something else here, which can crash the interpreter
when called (Python 3.12 bytecode with a call segfaults Python 3.11). Before such a code object
becomes a function, `load_function_code` checks it with this Python's own opcode tables
(`opcode`/`dis`): every opcode must exist here and, on Python 3.11+, be followed by exactly the
inline cache entries this Python gives it. Either failure, or `marshal` refusing the data, raises
a ValueError naming the layer and saying the bytecode comes from another Python version. (A few
trivial functions look the same in neighbouring versions and pass; they also run the same.)

Example:
    >>> import base64, marshal
    >>> stored = base64.b64encode(marshal.dumps((lambda x: x + 1).__code__)).decode("ascii")
    >>> load_function_code(stored, 'Lambda layer "plus_one"').co_argcount
    1
    >>> try:
    ...     load_function_code("4wAAAAA=", 'Lambda layer "old"')
    ... except ValueError as e:
    ...     print(str(e)[:84])
    Lambda layer "old": its function is stored as Python bytecode written by another Pyt
"""
import base64
import binascii
import marshal
import opcode
import sys
import types


def _cache_entries(op):
    table = getattr(opcode, "_inline_cache_entries", None)  # Python 3.11+; a dict by name from 3.13
    if table is None:
        return 0
    if isinstance(table, dict):
        return table.get(opcode.opname[op], 0)
    return table[op]


def _foreign_instruction(code):
    """Why `code` (or a code object among its constants) is not this Python's bytecode; None when it is."""
    raw = code.co_code
    cache_op = opcode.opmap.get("CACHE")
    i = 0
    while i < len(raw):
        op = raw[i]
        if opcode.opname[op].startswith("<"):
            return f"opcode {op} at offset {i} does not exist in this Python"
        if cache_op is not None and op == cache_op:
            return f"a cache entry at offset {i} follows no instruction that has one here"
        entries = _cache_entries(op) if cache_op is not None else 0
        for k in range(1, entries + 1):
            if i + 2 * k >= len(raw) or raw[i + 2 * k] != cache_op:
                return (f"{opcode.opname[op]} at offset {i} lacks the {entries} cache entries it has in this "
                        "Python")
        i += 2 * (entries + 1)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            reason = _foreign_instruction(const)
            if reason:
                return reason
    return None


class ForeignBytecodeError(ValueError):
    """A Lambda's stored bytecode was written by another Python version (or is not bytecode at all)."""


def _foreign_bytecode_error(where, reason):
    version = "%d.%d" % sys.version_info[:2]
    return ForeignBytecodeError(
        f"{where}: its function is stored as Python bytecode written by another Python version ({reason}), "
        f"which this Python {version} cannot run. Keras saves a Lambda's function as bytecode that only the "
        "Python version that saved the model can execute. Load the model with that Python version, or rebuild "
        "the model in code (with the Lambda's function written out) and load only its weights with "
        "`model.load_weights(path)`.")


def load_function_code(stored, where: str) -> types.CodeType:
    """The code object of a function stored by Keras 2 (base64 of `marshal.dumps(code)`), checked to be this
    Python's bytecode.

    Args:
        stored: the base64 text (str or bytes) from the layer config.
        where: names the layer in errors, e.g. 'Lambda layer "scale"'.

    Raises:
        ForeignBytecodeError (a ValueError): the data is not bytecode this Python can run (another Python
            version wrote it).
    """
    try:
        raw = base64.b64decode(stored.encode("ascii") if isinstance(stored, str) else stored, validate=False)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        if not isinstance(stored, str):
            raise ValueError(f"{where}: its stored function is neither base64 nor text: the config is corrupt.")
        raw = stored.encode("raw_unicode_escape")  # Keras 1 stored the marshalled bytes as text, as Keras 2 reads it
    try:
        code = marshal.loads(raw)
    except (ValueError, EOFError, TypeError, SystemError, KeyError, MemoryError) as e:
        raise _foreign_bytecode_error(where, f"marshal: {type(e).__name__}: {e}") from e
    if not isinstance(code, types.CodeType):
        raise _foreign_bytecode_error(where, f"it decodes to a {type(code).__name__}, not a code object")
    reason = _foreign_instruction(code)
    if reason:
        raise _foreign_bytecode_error(where, reason)
    return code


__all__ = ["load_function_code", "ForeignBytecodeError"]
