# A network is imported by [remote:][project/]name.
terraform import rack_incus_network.lab local:default/labbr0
