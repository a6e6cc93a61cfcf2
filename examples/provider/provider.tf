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

# PiKVM devices, one block each. Resources pick one with `pikvm = "name"`.
# With no pikvm block, PIKVM_URL, PIKVM_USERNAME, PIKVM_PASSWORD and
# PIKVM_TOTP_SECRET describe a device named "default".
provider "rack" {
  alias         = "rack2"
  default_pikvm = "node1"

  pikvm {
    name           = "node1"
    url            = "https://pikvm-node1.lan"
    username       = "admin"
    password       = var.pikvm_password
    totp_secret    = var.pikvm_totp_secret
    ca_certificate = file("pikvm-ca.pem")
  }
}

variable "pikvm_password" {
  type      = string
  sensitive = true
}

variable "pikvm_totp_secret" {
  type      = string
  sensitive = true
}
