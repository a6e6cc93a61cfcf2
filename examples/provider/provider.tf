# With no configuration the provider uses the local Incus socket and the
# remotes of the incus command line client (~/.config/incus/config.yml).
provider "rack" {}

# Or name the Incus servers explicitly.
provider "rack" {
  alias          = "lab"
  default_remote = "node1"

  incus_remote {
    name    = "local"
    address = "unix:///var/lib/incus/unix.socket"
  }

  incus_remote {
    name               = "node1"
    address            = "https://node1.lab.example:8443"
    client_certificate = file("~/.config/incus/client.crt")
    client_key         = file("~/.config/incus/client.key")
    server_certificate = file("~/.config/incus/servercerts/node1.crt")
    project            = "homelab"
  }
}
