"""Call recordings: storage of the audio, copying it from Twilio, retention."""
