# [remote:][project/]network/listen_address; an IPv6 listen address keeps its colons.
terraform import rack_incus_network_forward.web local:default/lab0/198.18.20.5
terraform import rack_incus_network_forward.v6 local:default/lab0/2001:db8::5
