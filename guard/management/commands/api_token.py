from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guard import services
from guard.models import ApiToken

PREFIX_LENGTH = 10  # what create_api_token keeps of the key


class Command(BaseCommand):
    help = (
        "Create an API token for a user (the key is printed once, on stdout, and never stored) "
        "or revoke one by the prefix shown in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,revoke}")
        create = actions.add_parser("create", help="create a token; it acts with the user's permissions")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="what the token is for, e.g. 'pager bot'")
        revoke = actions.add_parser("revoke", help="revoke a token so it is refused from now on")
        revoke.add_argument("prefix", help="the token's prefix (pg_ and 7 characters), or the whole key")

    def handle(self, *args, **options) -> None:
        if options["action"] == "create":
            self.create(options["username"], options["name"])
        else:
            self.revoke(options["prefix"])

    def create(self, username: str, name: str) -> None:
        if not name.strip():
            raise CommandError("--name must say what the token is for")
        user_model = get_user_model()
        user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive: its tokens would be refused")
        token, key = services.create_api_token(user=user, name=name.strip())
        self.stdout.write(key)
        self.stderr.write(
            f"token {token.name!r} for {username} (prefix {token.prefix}): the key is shown only this once"
        )

    def revoke(self, value: str) -> None:
        value = value.strip()
        if len(value) < PREFIX_LENGTH:
            raise CommandError(f"give the whole {PREFIX_LENGTH}-character prefix (it starts with pg_), or the key")
        if len(value) > PREFIX_LENGTH:
            tokens = ApiToken.objects.filter(key_hash=ApiToken.hash_key(value), revoked=False)
        else:
            tokens = ApiToken.objects.filter(prefix=value, revoked=False)
        matches = list(tokens.select_related("user")[:2])
        if not matches:
            raise CommandError(f"no active token matches {value[:PREFIX_LENGTH]!r}")  # never echo a whole key
        if len(matches) > 1:
            raise CommandError(f"several active tokens share the prefix {value!r}: pass the whole key instead")
        token = matches[0]
        ApiToken.objects.filter(pk=token.pk).update(revoked=True)
        self.stdout.write(f"revoked {token.prefix} ({token.name!r} for {token.user.get_username()})")
