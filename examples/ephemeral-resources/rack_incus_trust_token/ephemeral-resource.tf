# A new CI runner trusts the lab server and starts its first build container,
# in one apply. The token is opened through the lab server's local socket,
# presented by the runner's own provider configuration on first contact,
# and never stored in plan or state; had it not been used, it would be
# revoked when the run ends.

variable "ci_certificate" {
  description = "PEM certificate of the runner's new client key."
  type        = string
}

variable "ci_key" {
  description = "PEM private key of the runner."
  type        = string
  sensitive   = true
}

variable "lab_server_certificate" {
  description = "PEM certificate of the lab server, pinned by the runner."
  type        = string
}

provider "rack" {
  incus_remote {
    name    = "lab"
    address = "unix://"
  }
}

ephemeral "rack_incus_trust_token" "ci" {
  remote      = "lab"
  client_name = "ci-runner"
  restricted  = true
  projects    = ["ci"]
  expires_in  = "10m" # revoked then if still unused, even if the run goes on
}

provider "rack" {
  alias = "ci"
  incus_remote {
    name               = "lab"
    address            = "https://lab.example.net:8443"
    client_certificate = var.ci_certificate
    client_key         = var.ci_key
    server_certificate = var.lab_server_certificate
    trust_token        = ephemeral.rack_incus_trust_token.ci.token
  }
}

resource "rack_incus_instance" "build" {
  provider = rack.ci
  remote   = "lab"
  project  = "ci"
  name     = "build-1"
  image    = "debian-12"
}
