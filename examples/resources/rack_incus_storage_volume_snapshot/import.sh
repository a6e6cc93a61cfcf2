# A volume snapshot is imported by [remote:][project/]pool/volume/snapshot.
terraform import rack_incus_storage_volume_snapshot.before_upgrade local:default/default/data/before-upgrade
