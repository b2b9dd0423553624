# The course's UDPServer.py; usage: UDPServer.py HOST PORT
import sys
from socket import *
serverPort = int(sys.argv[2])
serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind((sys.argv[1], serverPort))
print('The server is ready to receive', flush=True)
while True:
    message, clientAddress = serverSocket.recvfrom(2048)
    modifiedMessage = message.decode().upper()
    serverSocket.sendto(modifiedMessage.encode(), clientAddress)
