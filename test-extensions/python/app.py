"""A sqlink extension written in Python, built with componentize-py's default options (so it
imports all of WASI, sockets included): py_reverse(text); net_probe(), which tries to open a
socket, and py_read(path), which reads a file, both of which the sandbox denies when used.

    componentize-py -d wit/extension/0.2.0 -w scalar-extension componentize app -o python.wasm
"""

import socket

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import types


class Metadata(exports.Metadata):
    def describe(self) -> types.ExtensionInfo:
        return types.ExtensionInfo(
            name="python",
            version="1.0.0",
            scalars=[
                types.ScalarInfo(0, "py_reverse", 1, types.FunctionFlags.DETERMINISTIC, "The text backwards."),
                types.ScalarInfo(1, "net_probe", 0, types.FunctionFlags(0), "Try to open a TCP socket."),
                types.ScalarInfo(2, "py_read", 1, types.FunctionFlags(0), "The text of a file."),
            ],
            aggregates=[],
            collations=[],
            table_functions=[],
        )


class ScalarFunction(exports.ScalarFunction):
    def call(self, id: int, args: list) -> types.Value:
        if id == 0:
            value = args[0]
            if isinstance(value, types.Value_Null):
                return types.Value_Null()
            if not isinstance(value, types.Value_Text):
                raise Err(types.Error(20, "py_reverse takes text"))
            return types.Value_Text(value.value[::-1])
        if id == 1:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
            return types.Value_Text("connected")
        if id == 2:
            try:
                with open(args[0].value) as file:
                    return types.Value_Text(file.read())
            except OSError as error:
                raise Err(types.Error(1, f"py_read: {error}"))
        raise Err(types.Error(1, f"no function {id}"))
