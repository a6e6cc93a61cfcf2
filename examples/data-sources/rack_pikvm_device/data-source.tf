data "rack_pikvm_device" "node1" {
  pikvm = "node1"
}

output "kvmd" {
  value = "${data.rack_pikvm_device.node1.platform_model} running kvmd ${data.rack_pikvm_device.node1.kvmd_version}"
}
