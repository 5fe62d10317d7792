"""Lazily created, cached AWS clients: nothing is created at import time, and botocore itself is imported on
first use so functions that never touch AWS do not pay for it.

Clients come from a botocore session rather than from boto3: a boto3 client is the same botocore client, but
importing boto3 also loads s3transfer and the resource layer (about 130 ms of a cold start), which the platform
never uses."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any


@cache
def _session() -> Any:
    import botocore.loaders
    import botocore.session

    class FileLoader(botocore.loaders.JSONFileLoader):  # type: ignore[misc]
        """botocore's JSON model reader, but objects are read as plain dicts instead of OrderedDicts: dicts keep
        the files' order, and decoding the 1.2 MB endpoints.json and a service model takes about half the time
        (about 25 ms off a first client). botocore copies what it needs into its own structures (e.g.
        `model.StructureShape.members` builds an OrderedDict from the members' items)."""

        def _load_file(self, full_path: str, open_method: Any) -> Any:
            if not os.path.isfile(full_path):
                return None
            with open_method(full_path, "rb") as fp:
                return json.loads(fp.read().decode("utf-8"))

    class Loader(botocore.loaders.Loader):  # type: ignore[misc]
        """botocore's loader, but a first client does not stat every file of ~440 service directories to list
        the services that have a model of `type_name` (about 20 ms): every directory of the data paths names a
        service. An unknown service is still UnknownServiceError; a directory without that model fails when it
        is loaded (DataNotFoundError). Models are read by `FileLoader`."""

        FILE_LOADER_CLASS = FileLoader

        def list_available_services(self, type_name: str) -> list[str]:
            names: set[str] = set()
            for path in self.search_paths:
                if os.path.isdir(path):
                    with os.scandir(path) as entries:
                        names.update(entry.name for entry in entries if entry.is_dir())
            return sorted(names)

    session = botocore.session.get_session()
    data_path = session.get_config_variable("data_path")
    extra = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else None
    session.register_component("data_loader", Loader(extra_search_paths=extra))
    return session


@cache
def client(service: str) -> Any:
    """A client for `service`, shared by the execution environment (botocore clients are thread-safe). Region,
    credentials and endpoint come from the environment, as with `boto3.client`."""
    from botocore.config import Config

    return _session().create_client(service, config=Config(retries={"max_attempts": 3, "mode": "standard"}))


def reset_clients() -> None:
    """Forget cached clients and their session (tests switch endpoints and credentials)."""
    client.cache_clear()
    _session.cache_clear()
