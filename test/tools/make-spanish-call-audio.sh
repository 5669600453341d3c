#!/usr/bin/env bash
# Regenerates the audio of fixtures/call-script-es.json: synthesised speech (espeak-ng, never a
# recording of a person) as 8 kHz μ-law WAV, silence trimmed. The greeting is English with the
# spa's Spanish invitation; everything after it is Spanish.
# Needs espeak-ng and sox (Debian: apt-get install espeak-ng sox).
set -euo pipefail
cd "$(dirname "$0")/../../fixtures/audio"
say() { # file voice text
  local tmp
  tmp=$(mktemp --suffix .wav)
  espeak-ng -v "$2" -s 160 -w "$tmp" "$3"
  sox "$tmp" -r 8000 -c 1 -e mu-law "$1" silence 1 0.02 1% reverse silence 1 0.02 1% reverse gain -n -6
  rm -f "$tmp"
}
say es-ava-greeting.wav en-us+f3 "Thank you for calling Willow and Oak Medical Spa, this is Ava. Para español, hable en español."
say es-caller-1-ask.wav es-419+m3 "Hola, quisiera una cita para un HydraFacial este sábado por la mañana."
say es-ava-offer.wav es-419+f3 "Claro que sí. Tengo un horario el sábado por la mañana con Sofía. ¿Se lo reservo?"
say es-caller-2-name.wav es-419+m3 "Sí, por favor. Me llamo Lucía Gómez."
say es-ava-booked.wav es-419+f3 "Listo, Lucía. Le enviaremos un mensaje de texto con la confirmación."
say es-caller-3-goodbye.wav es-419+m3 "Eso es todo, muchas gracias. ¡Adiós!"
say es-ava-goodbye.wav es-419+f3 "Gracias por llamar, Lucía. Nos vemos el sábado. ¡Adiós!"
