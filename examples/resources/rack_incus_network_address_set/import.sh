# A network address set is imported by [remote:][project/]name.
terraform import rack_incus_network_address_set.admins local:default/admins
