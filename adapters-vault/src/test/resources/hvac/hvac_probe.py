"""Drives the fake Vault with hvac, HashiCorp's Python client, and prints what happened as JSON.

Run by FakeVaultHvacTest: VAULT_ADDR, VAULT_TOKEN, ROLE_ID and SECRET_ID come from the environment.
"""
import json
import os
import sys

import hvac
from hvac import exceptions

out = {}
root = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
out["authenticated"] = root.is_authenticated()

# AppRole login, then everything with the issued token.
client = hvac.Client(url=os.environ["VAULT_ADDR"])
login = client.auth.approle.login(role_id=os.environ["ROLE_ID"], secret_id=os.environ["SECRET_ID"])
out["login_ttl"] = login["auth"]["lease_duration"]
out["login_renewable"] = login["auth"]["renewable"]

kv = client.secrets.kv.v2
created = kv.create_or_update_secret(path="hvac/pool", secret={"leases": []}, cas=0, mount_point="secret")
out["created_version"] = created["data"]["version"]
updated = kv.create_or_update_secret(path="hvac/pool", secret={"leases": ["10.0.0.1"]}, cas=1, mount_point="secret")
out["updated_version"] = updated["data"]["version"]

try:
    kv.create_or_update_secret(path="hvac/pool", secret={"leases": ["10.0.0.2"]}, cas=1, mount_point="secret")
    out["stale_cas"] = "accepted"
except exceptions.InvalidRequest as e:
    out["stale_cas"] = str(e)

read = kv.read_secret_version(path="hvac/pool", mount_point="secret")
out["read_data"] = read["data"]["data"]
out["read_version"] = read["data"]["metadata"]["version"]

out["list"] = kv.list_secrets(path="hvac", mount_point="secret")["data"]["keys"]
meta = kv.read_secret_metadata(path="hvac/pool", mount_point="secret")
out["current_version"] = meta["data"]["current_version"]

kv.delete_latest_version_of_secret(path="hvac/pool", mount_point="secret")
try:
    kv.read_secret_version(path="hvac/pool", mount_point="secret")
    out["after_soft_delete"] = "readable"
except exceptions.InvalidPath:
    out["after_soft_delete"] = "404"

kv.delete_metadata_and_all_versions(path="hvac/pool", mount_point="secret")
try:
    kv.read_secret_metadata(path="hvac/pool", mount_point="secret")
    out["after_destroy"] = "still there"
except exceptions.InvalidPath:
    out["after_destroy"] = "404"

client.auth.token.revoke_self()
try:
    kv.read_secret_version(path="hvac/anything", mount_point="secret")
    out["after_revoke"] = "readable"
except exceptions.Forbidden as e:
    out["after_revoke"] = str(e)

json.dump(out, sys.stdout)
