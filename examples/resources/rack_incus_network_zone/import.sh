# A network zone is imported by [remote:][project/]name.
terraform import rack_incus_network_zone.lab local:default/lab.example.net
