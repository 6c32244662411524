"""Drives the fake GitHub with PyGithub, GitHub's widely used Python client (Debian: python3-github).

Usage: pygithub_client.py BASE_URL APP_ID PRIVATE_KEY_FILE OWNER/REPO PR_NUMBER
Prints one JSON line with what it saw. PyGithub signs its own App JWT (PyJWT), seals the secret
with PyNaCl (libsodium), and follows Link headers with its own PaginatedList.
"""
import json
import sys

from github import Github, GithubIntegration
from github.IssueComment import IssueComment
from github.PaginatedList import PaginatedList

base, app_id, key_file, full_name, number = sys.argv[1:6]
with open(key_file) as f:
    key = f.read()
owner, name = full_name.split("/")

integration = GithubIntegration(int(app_id), key, base_url=base)
installation = integration.get_installation(owner, name)
token = integration.get_access_token(installation.id).token

gh = Github(login_or_token=token, base_url=base)
repo = gh.get_repo(full_name)
created = repo.create_secret("FROM_PYGITHUB", "sealed by PyNaCl")

requester = gh._Github__requester
comments_url = f"{repo.url}/issues/{number}/comments"
requester.requestJsonAndCheck("POST", comments_url, input={"body": "hello from PyGithub"})
comments = list(PaginatedList(IssueComment, requester, comments_url, {"per_page": 50}))

print(json.dumps({
    "installation": installation.id,
    "token_length": len(token),
    "secret_created": created,
    "count": len(comments),
    "last_body": comments[-1].body,
    "last_login": comments[-1].user.login,
}))
