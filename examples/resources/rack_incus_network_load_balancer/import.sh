# [remote:][project/]network/listen_address
terraform import rack_incus_network_load_balancer.web local:default/ovn0/198.18.200.5
