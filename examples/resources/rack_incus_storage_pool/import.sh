# A storage pool is imported by [remote:]name.
terraform import rack_incus_storage_pool.fast local:fast
