// contrib/chobbs/discord type-checks, but fluxi does not send to Discord's API: the call
// fails naming what it needs.
import "contrib/chobbs/discord"

x = discord.send(webhookToken: "t", webhookID: "1", username: "bot", content: "disk full")
