# A storage bucket is imported by [remote:][project/]pool/name.
terraform import rack_incus_storage_bucket.backups local:default/default/backups
