data "rack_pikvm_power" "node1" {
  pikvm = "node1"
}

output "node1_is_on" {
  value = data.rack_pikvm_power.node1.state == "on"
}
