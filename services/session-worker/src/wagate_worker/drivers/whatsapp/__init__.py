"""The WhatsApp driver: sessions linked to real phones through neonize (whatsmeow).

Importing this package loads neonize's Go library; the driver registry imports
it only when a session with driver ``whatsapp`` starts.
"""

from wagate_worker.drivers.whatsapp.driver import WhatsAppDriver, WhatsAppOptions

__all__ = ["WhatsAppDriver", "WhatsAppOptions"]
