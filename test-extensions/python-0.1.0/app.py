"""A sqlink extension written in Python against sqlite:extension@0.1.0 as first published
(wit/extension/0.1.0: the records live in `metadata`, and `extension-info` has no table
functions), built in the test run with componentize-py's default options, as an author did
in November 2026. Every host must keep loading it: py010_reverse(text) and py010_add(a, b).

    componentize-py -d wit/extension/0.1.0 -w scalar-extension componentize app -o py010.wasm
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import metadata
from wit_world.imports import types


class Metadata(exports.Metadata):
    def describe(self) -> metadata.ExtensionInfo:
        return metadata.ExtensionInfo(
            name="py010",
            version="0.1.0",
            scalars=[
                metadata.ScalarInfo(0, "py010_reverse", 1, types.FunctionFlags.DETERMINISTIC, "The text backwards."),
                metadata.ScalarInfo(1, "py010_add", 2, types.FunctionFlags.DETERMINISTIC, "The sum of two integers."),
            ],
            aggregates=[],
            collations=[],
        )


class ScalarFunction(exports.ScalarFunction):
    def call(self, id: int, args: list) -> types.Value:
        if id == 0:
            value = args[0]
            if isinstance(value, types.Value_Null):
                return types.Value_Null()
            if not isinstance(value, types.Value_Text):
                raise Err(types.Error(20, "py010_reverse takes text"))
            return types.Value_Text(value.value[::-1])
        if id == 1:
            if not all(isinstance(arg, types.Value_Integer) for arg in args):
                raise Err(types.Error(20, "py010_add takes integers"))
            return types.Value_Integer(args[0].value + args[1].value)
        raise Err(types.Error(1, f"no function {id}"))
