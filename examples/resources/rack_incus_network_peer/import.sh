# A network peer is imported by [remote:][project/]network/name.
terraform import rack_incus_network_peer.web_to_db local:default/ovn-web/to-db
