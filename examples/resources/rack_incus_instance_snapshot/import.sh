# An instance snapshot is imported by [remote:][project/]instance/snapshot.
terraform import rack_incus_instance_snapshot.before_upgrade local:default/db/before-upgrade
