"""The introduction at the top of the OpenAPI document (its info.description, Markdown): how to get and send a
token, what each scope opens, and how errors, versions, pages and limits work. Written from the rules and settings
themselves, so the document says what the portal does."""

from __future__ import annotations

from competencies import api_tokens as rules


def info_description(config) -> str:
    scopes = "\n".join(f"- `{scope.name}` ({scope.label}): {scope.explanation}" for scope in rules.SCOPES)
    return f"""Read and record Pain Medicine training evidence from another application: a deanery's reporting, a
hospital's rota or logbook app, or your own scripts.

## Tokens
Create a personal access token on your account page (**/account/tokens**): name it after the app that will use it,
choose its scopes and when it expires (at most {rules.MAX_LIFETIME_DAYS} days). The token is shown once; the portal
keeps only its hash. Send it with every call as the header `Authorization: Bearer <token>`; in these pages, use the
**Authorize** button. A browser's sign-in cookie never opens the API. Revoke a token on the same page when you no
longer need it; an administrator may revoke any token. Each token records when it was last used.

## Scopes
A token does only what its scopes allow, and never more than its owner's roles allow on the pages:

{scopes}

An operation names the scope it needs (`x-required-scope`). Without a token, or with one that is unknown, expired or
revoked, the answer is 401; with a token that lacks the scope, or an owner who may not do this, 403.

## Errors
Every error is an RFC 9457 problem document (`application/problem+json`) with `type`, `title`, `status`, `detail`
(in words for a person) and `instance` (the path asked for). Refused input is a 422 whose `errors` list names each
field, where it was sent and what was wrong with it.

## Versions of a record: ETag and If-Match
Reads answer with an `ETag`. Send it back as `If-None-Match` to get 304 Not Modified when nothing changed. Updates
need `If-Match` with the ETag you read: without it the answer is 428, and if the record changed since, 412, so no
one overwrites a change they have not seen (the same guard as the portal's pages). `If-Match: *` names no version
and is answered as none (428).

## Pages of results
Lists return at most `limit` items (bounded) and a `next_cursor`; pass it back as `cursor` for the next page, also
given as a `Link: <...>; rel="next"` header. A cursor is opaque; any value of the pattern the document gives is a place
in your list (a page may be empty), anything else is a 422.

## Rate limits
Each token may make {config.get("API_RATE_LIMIT")}, counted across every operation; each token has its own budget.
Calls without a valid token may be made {config.get("API_UNAUTHENTICATED_RATE_LIMIT")} from one address. Answers
carry `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `Retry-After` (the seconds until the
window resets); over the limit the answer is a 429 problem document. Where the portal runs several worker processes
without a shared store (`RATELIMIT_STORAGE_URI`), each counts on its own."""
