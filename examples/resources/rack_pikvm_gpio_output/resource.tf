# Hold a relay on (a switch channel of the kvmd GPIO scheme).
resource "rack_pikvm_gpio_output" "fan" {
  pikvm   = "node1"
  channel = "relay1"
  state   = true
}

# Press a second machine's power button (a pulse channel) whenever its
# trigger changes.
resource "rack_pikvm_gpio_output" "node2_button" {
  pikvm          = "node1"
  channel        = "node2_power"
  pulse_triggers = { reason = "first boot" }
  pulse_delay    = "500ms"
}
