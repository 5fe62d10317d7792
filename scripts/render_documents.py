"""Render the policy document of every product's sample policy (and the computer sample amended, then cancelled;
paid monthly, lapsed, renewed and expired) to PDF and, with poppler's `pdftoppm`, to PNG pages, to look at:
`python scripts/render_documents.py OUT_DIR`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from insure.policies.document import render
from tests import document_samples as samples

WEB = "https://insure.example"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    documents = {
        product: render(samples.issued(product), context=samples.context(product), web_address=WEB)
        for product in samples.PRODUCTS
    }
    versions = samples.amended_and_cancelled()
    for version in versions[1:]:
        documents[f"computer-v{version.version}"] = render(
            version, context=samples.context("computer", versions[: version.version - 1]), web_address=WEB
        )
    first, lapsed, renewed = samples.lapsed_and_renewed()
    documents["computer-monthly"] = render(first, context=samples.context("computer"), web_address=WEB)
    documents["computer-lapsed"] = render(lapsed, context=samples.context("computer", [first]), web_address=WEB)
    documents["computer-renewed"] = render(renewed, context=samples.context("computer", [first]), web_address=WEB)
    issued, expired = samples.expired()
    documents["computer-expired"] = render(expired, context=samples.context("computer", [issued]), web_address=WEB)
    for name, pdf in documents.items():
        path = out / f"{name}.pdf"
        path.write_bytes(pdf)
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm:
            subprocess.run([pdftoppm, "-png", "-r", "80", str(path), str(out / name)], check=True)  # noqa: S603 (fixed argv)
        print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "documents"))
