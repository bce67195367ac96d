from authsocket_channels.consumers import AuthSocketConsumer
from authsocket_channels.delivery import DeliveryMixin


class ChatConsumer(DeliveryMixin, AuthSocketConsumer):
    authenticated_groups = ["chat"]

    async def receive_json(self, content, **kwargs):
        text = str(content.get("text", ""))
        message = {"type": "chat", "user": self.user.get_username(), "text": text}
        await self.channel_layer.group_send("chat", {"type": "chat.message", "message": message})

    async def chat_message(self, event):
        await self.send_message(event["message"])
