"""The notebooks medbill ships, installed as the package ``medbill._notebooks`` (see pyproject's
``package-dir``): this folder is their one editable copy; read them with ``medbill.bundled``."""
