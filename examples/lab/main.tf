# A small lab from scratch: a project, a storage pool, a volume, a bridge
# with an ACL, a DNS zone and a port forward, a profile, two instances, a
# snapshot and an image published from it. See docs/guides/small-lab.md; it runs as written on
# the mock host (`make mock MOCKFLAGS="-incus-socket /tmp/incus.sock"`).

terraform {
  required_providers {
    rack = { source = "rackform/rack" }
  }
}

variable "incus_socket" {
  description = "The Incus socket: the mock host's, or /var/lib/incus/unix.socket for the local daemon."
  type        = string
  default     = "/tmp/incus.sock"
}

variable "image" {
  description = "Image of the instances (the mock host offers rack-busybox)."
  type        = string
  default     = "rack-busybox"
}

variable "subnet" {
  description = "The lab bridge's address and subnet. 198.18.0.0/15 is set aside for tests and never routed on the internet."
  type        = string
  default     = "198.18.252.1/24"
}

variable "forward_address" {
  description = "An address of the host that other machines reach (on a real host, one of its LAN addresses): its ports 80 and 2222 go to web. 198.19.252.10 is a test address."
  type        = string
  default     = "198.19.252.10"
}

variable "nat" {
  description = "Whether the lab's instances reach other networks through the host (NAT); off, they reach only each other and the host."
  type        = bool
  default     = false
}

locals {
  # web's fixed address on the bridge: the DNS record and the forward point at it.
  web_address = cidrhost(var.subnet, 10)
}

provider "rack" {
  incus_remote {
    name    = "lab"
    address = "unix://${var.incus_socket}"
  }
}

# Everything of the lab lives in its own project. It keeps its own
# profiles and volumes but uses the default project's images.
resource "rack_incus_project" "lab" {
  name        = "lab"
  description = "A small lab"
  config = {
    "features.images"          = "false"
    "features.profiles"        = "true"
    "features.storage.volumes" = "true"
  }
}

# A pool of its own, in a directory Incus manages.
resource "rack_incus_storage_pool" "lab" {
  name        = "lab"
  driver      = "dir"
  description = "Disks of the lab"
}

# Data that outlives the instances.
resource "rack_incus_storage_volume" "data" {
  project     = rack_incus_project.lab.name
  pool        = rack_incus_storage_pool.lab.name
  name        = "data"
  description = "The database's files"
}

# What may reach the lab's instances and what they may reach: SSH and HTTP
# in, ping, and everything out. Incus drops the rest.
resource "rack_incus_network_acl" "lab" {
  name        = "lab"
  description = "SSH, HTTP and ping in; all out"
  ingress = [
    { action = "allow", protocol = "tcp", destination_port = "22,80", description = "SSH and HTTP" },
    { action = "allow", protocol = "icmp4", icmp_type = "8", description = "ping" },
  ]
  egress = [{ action = "allow", description = "everything out" }]
}

# The lab's DNS zone: Incus's DNS server answers for it, with a record for
# each instance on the bridge and the records below.
resource "rack_incus_network_zone" "lab" {
  name        = "lab.example.net"
  description = "Names of the lab"
}

resource "rack_incus_network_zone_record" "www" {
  zone    = rack_incus_network_zone.lab.name
  name    = "www"
  entries = [{ type = "A", value = local.web_address, ttl = 300 }]
}

# The lab's own bridge, guarded by the ACL, with its names in the zone.
resource "rack_incus_network" "lab" {
  name        = "labbr0"
  description = "The lab's bridge"
  config = {
    "ipv4.address"     = var.subnet
    "ipv4.nat"         = tostring(var.nat)
    "ipv6.address"     = "none"
    "security.acls"    = rack_incus_network_acl.lab.name
    "dns.zone.forward" = rack_incus_network_zone.lab.name
  }
}

# What every lab instance gets: a root disk on the lab pool and a NIC on
# the lab's bridge.
resource "rack_incus_profile" "base" {
  project     = rack_incus_project.lab.name
  name        = "base"
  description = "Root disk on the lab pool, a NIC on the lab bridge"
  config      = { "limits.memory" = "256MiB" }
  devices = [
    { name = "root", type = "disk", properties = { path = "/", pool = rack_incus_storage_pool.lab.name } },
    { name = "eth0", type = "nic", properties = { network = rack_incus_network.lab.name } },
  ]
}

# web keeps the profile's NIC but with a fixed address, which DNS names.
resource "rack_incus_instance" "web" {
  project  = rack_incus_project.lab.name
  name     = "web"
  image    = var.image
  profiles = [rack_incus_profile.base.name]
  devices = [
    { name = "eth0", type = "nic", properties = { network = rack_incus_network.lab.name, "ipv4.address" = local.web_address } },
  ]
}

# web from outside: the host's forward_address, port 80 to web's HTTP and
# port 2222 to its SSH.
resource "rack_incus_network_forward" "web" {
  network        = rack_incus_network.lab.name
  listen_address = var.forward_address
  description    = "web from outside"
  ports = [
    { protocol = "tcp", listen_port = "80", target_address = local.web_address, description = "HTTP" },
    { protocol = "tcp", listen_port = "2222", target_address = local.web_address, target_port = "22", description = "SSH" },
  ]
}

resource "rack_incus_instance" "db" {
  project  = rack_incus_project.lab.name
  name     = "db"
  image    = var.image
  profiles = [rack_incus_profile.base.name]
  devices = [
    { name = "data", type = "disk", properties = { pool = rack_incus_storage_pool.lab.name, source = rack_incus_storage_volume.data.name, path = "/srv/data" } },
  ]
}

# A point web can be rolled back to, and a golden image made from it: new
# instances start from "lab-web-golden" as web was at its baseline.
resource "rack_incus_instance_snapshot" "web_baseline" {
  project  = rack_incus_project.lab.name
  instance = rack_incus_instance.web.name
  name     = "baseline"
}

resource "rack_incus_image" "web_golden" {
  project = rack_incus_project.lab.name
  source_instance = {
    name     = rack_incus_instance.web.name
    snapshot = rack_incus_instance_snapshot.web_baseline.name
  }
  aliases     = ["lab-web-golden"]
  description = "web at its baseline snapshot"
}

output "web_ipv4" {
  value = rack_incus_instance.web.ipv4_address
}
