"""Structure measures for issue #15: how big the house's rooms are.

Prints Python modules over 300 lines, views (route functions) over 30 lines,
functions over 60 lines and JS files over 400 lines. Not a benchmark of speed:
a newcomer's map of where the code has grown.

    .venv/bin/python bench/structure.py
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _is_view(node):
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = getattr(target, "attr", getattr(target, "id", ""))
        if name in {"route", "get", "post", "put", "delete", "patch"}:
            return True
    return False


def measure():
    modules, views, functions = [], [], []
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > 300:
            modules.append((lines, str(rel)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                where = f"{rel}:{node.lineno} {node.name}"
                if _is_view(node) and length > 30:
                    views.append((length, where))
                if length > 60:
                    functions.append((length, where))
    scripts = [
        (p.read_text(encoding="utf-8").count("\n"), str(p.relative_to(ROOT)))
        for p in sorted((ROOT / "static" / "js").glob("*.js"))
    ]
    scripts = [s for s in scripts if s[0] > 400]
    return modules, views, functions, scripts


def main():
    titles = (
        "Python modules over 300 lines",
        "views over 30 lines",
        "functions over 60 lines",
        "JS files over 400 lines",
    )
    for title, rows in zip(titles, measure(), strict=True):
        print(f"{title}: {len(rows)}")
        for length, where in sorted(rows, reverse=True):
            print(f"  {length:5d}  {where}")


if __name__ == "__main__":
    main()
