"""Index the user-role link by role: "users with role X" filters and counts read it instead of the whole link."""

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEX = "idx_user_role_role_users"


async def create_index(apps, schema_editor):
    await schema_editor._run_sql(f"CREATE INDEX {INDEX} ON user_role (role_id, users_id)")


async def drop_index(apps, schema_editor):
    on_table = " ON user_role" if schema_editor.client.capabilities.dialect == "mysql" else ""
    await schema_editor._run_sql(f"DROP INDEX {INDEX}{on_table}")


class Migration(migrations.Migration):
    dependencies = [("app_system", "0001_initial")]

    operations = [ops.RunPython(create_index, drop_index)]
