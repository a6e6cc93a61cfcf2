data "rack_pikvm_gpio" "node1" {
  pikvm = "node1"
}

output "switchable_channels" {
  value = [for o in data.rack_pikvm_gpio.node1.outputs : o.name if o.switch]
}
