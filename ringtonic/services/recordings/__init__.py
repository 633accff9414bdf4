"""Recordings of calls and voicemails: intake from Twilio's callbacks, storage, copying,
playback and retention."""
