"""Read the string constants of the classes in a jar, without a JVM.

Table factories declare their options as string constants (ConfigOptions.key("stream")), so a
connector "has" an option exactly when one of its factory classes' constant pools holds the key.
"""

from __future__ import annotations

import struct
import zipfile
from typing import Iterable

# Constant pool tags (JVM spec, 4.4) and the byte length of each fixed-size entry after its tag.
_UTF8 = 1
_FIXED_SIZES = {3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2, 17: 4,
                18: 4, 19: 2, 20: 2}


def class_strings(class_bytes: bytes) -> set[str]:
    """All UTF-8 constants of one class file."""
    if class_bytes[:4] != b"\xca\xfe\xba\xbe":
        raise ValueError("not a class file")
    (count,) = struct.unpack_from(">H", class_bytes, 8)
    offset = 10
    strings: set[str] = set()
    index = 1
    while index < count:
        tag = class_bytes[offset]
        offset += 1
        if tag == _UTF8:
            (length,) = struct.unpack_from(">H", class_bytes, offset)
            offset += 2
            strings.add(class_bytes[offset:offset + length].decode("utf-8", errors="replace"))
            offset += length
        elif tag in _FIXED_SIZES:
            offset += _FIXED_SIZES[tag]
        else:
            raise ValueError(f"unknown constant pool tag {tag}")
        # Longs and doubles take two slots (JVM spec, 4.4.5).
        index += 2 if tag in (5, 6) else 1
    return strings


def strings_of_classes(jar: zipfile.ZipFile, class_names: Iterable[str]) -> set[str]:
    """The UTF-8 constants of the named classes (dotted names) in an open jar; missing ones are skipped."""
    names = set(jar.namelist())
    strings: set[str] = set()
    for class_name in class_names:
        path = class_name.replace(".", "/") + ".class"
        if path in names:
            strings |= class_strings(jar.read(path))
    return strings


def strings_of_packages(jar: zipfile.ZipFile, package_prefixes: Iterable[str]) -> set[str]:
    """The UTF-8 constants of every class under the given packages (slash-separated prefixes)."""
    prefixes = tuple(package_prefixes)
    strings: set[str] = set()
    for name in jar.namelist():
        if name.endswith(".class") and name.startswith(prefixes):
            strings |= class_strings(jar.read(name))
    return strings
