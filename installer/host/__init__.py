"""The one seam for effects: commands, files, the Docker API, HTTPS. Real or recorded (plan)."""

from __future__ import annotations

from installer.host.docker_api import DockerClient
from installer.host.files import Redactor, append_private, rotate_past, write_atomically
from installer.host.https import CLIENT_CIPHERS, MAX_REPLY, client_context, read_reply
from installer.host.plan import PlanHost
from installer.host.real import RealHost
from installer.host.seam import DOCKER_SOCKET, CommandResult, Host, HttpsAnswer, PullProgress

__all__ = ["CLIENT_CIPHERS", "CommandResult", "DOCKER_SOCKET", "DockerClient", "Host",
           "HttpsAnswer", "MAX_REPLY", "PlanHost", "PullProgress", "RealHost", "Redactor",
           "append_private", "client_context", "read_reply", "rotate_past", "write_atomically"]
