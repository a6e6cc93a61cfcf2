# A storage volume is imported by [remote:][project/]pool/name.
terraform import rack_incus_storage_volume.data local:default/default/data
