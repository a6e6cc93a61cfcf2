# A network zone record is imported by [remote:][project/]zone/name.
terraform import rack_incus_network_zone_record.www local:default/lab.example.net/www
