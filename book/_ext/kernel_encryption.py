"""Encrypt the traffic between the build and the kernels that execute the chapters.

ipykernel warns ("Kernel is running over TCP without encryption") whenever its
kernel manager did not provision CurveZMQ keys, which jupyter_client does only
when the manager's ``transport_encryption`` is ``auto`` or ``required``; its
default is ``disabled``. myst-nb starts the kernels through jupyter-cache and
nbclient without passing any configuration to the kernel manager, so the policy
is set here as the default of every kernel manager this build process creates:
``auto`` provisions the keys for a kernel whose kernelspec declares
``supported_encryption: curve`` (ipykernel's does) and leaves any other kernel
as it was. When pyzmq has no CurveZMQ support the default stays ``disabled``
(and the kernel's warning, then a real one, is shown).
"""

from __future__ import annotations

from typing import Any

import zmq
from jupyter_client.manager import KernelManager
from sphinx.application import Sphinx

POLICY = "auto"


def encrypt_kernel_transport() -> bool:
    """Make ``auto`` the default transport encryption of kernel managers; False if unsupported."""
    if not zmq.has("curve"):
        return False
    KernelManager.class_traits()["transport_encryption"].default_value = POLICY
    return True


def setup(app: Sphinx) -> dict[str, Any]:
    """Set the policy before any chapter is executed."""
    encrypt_kernel_transport()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
