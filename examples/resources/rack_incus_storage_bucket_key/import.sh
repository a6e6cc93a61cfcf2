# A bucket key is imported by [remote:][project/]pool/bucket/name; its access
# and secret keys are read from the server.
terraform import rack_incus_storage_bucket_key.backup_writer local:default/default/backups/backup-writer
