# terraform test for the web-db module against the rack mock host. Run it
# from examples/modules/web-db with the mock's socket (quoted: the module does
# not declare incus_socket, so terraform test reads the value as HCL):
#
#   terraform test -var 'incus_socket="/tmp/incus.sock"'
#
# The provider block is required: without it the test would use the local
# Incus (the default socket) and create real instances there.

provider "rack" {
  incus_remote {
    name    = "mock"
    address = "unix://${var.incus_socket}"
  }
}

variables {
  name  = "shop"
  image = "rack-busybox" # the image the mock host offers; its bridge is incusbr0, the module's default
}

run "plan_names_and_nic" {
  command = plan

  assert {
    condition     = rack_incus_instance.this["web"].name == "shop-web" && rack_incus_instance.this["db"].name == "shop-db"
    error_message = "instances must be named <name>-web and <name>-db"
  }

  assert {
    condition     = one([for d in rack_incus_instance.this["web"].devices : d.properties.parent if d.name == "eth0"]) == "incusbr0"
    error_message = "eth0 must be attached to var.network"
  }
}

run "apply_gives_distinct_addresses" {
  assert {
    condition     = output.web_address != "" && output.db_address != ""
    error_message = "both instances must have an IPv4 address"
  }

  assert {
    condition     = output.web_address != output.db_address
    error_message = "web and db must not share an address (web ${output.web_address}, db ${output.db_address})"
  }
}

run "rejects_a_bad_name" {
  command = plan

  variables {
    name = "Shop_1"
  }

  expect_failures = [var.name]
}
